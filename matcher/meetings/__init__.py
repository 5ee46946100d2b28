"""Meetings on the calendar: times a mentor offers, the student's pick, invitations as .ics."""
