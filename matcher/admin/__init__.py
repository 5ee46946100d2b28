"""Site administration: people and roles, and the mail outbox."""
