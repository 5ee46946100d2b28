"""The database models. Importing this package registers every table on the metadata."""

from matcher.models.audit import AuditEvent
from matcher.models.group import (
    GroupKind,
    InterestGroup,
    JoinPolicy,
    Membership,
    MembershipStatus,
    RematchPolicy,
)
from matcher.models.institution import Institution, InstitutionKind, institution_departments
from matcher.models.introduction import (
    ACTIVE_STATUSES,
    COMMITTED_STATUSES,
    HELD_STATUSES,
    NEEDS_STATUSES,
    GroupEmailTemplate,
    Introduction,
    IntroductionEvent,
    IntroductionFeedback,
    IntroStatus,
    RatingStage,
)
from matcher.models.job import Job, JobStatus
from matcher.models.mail import OutboxMessage, OutboxStatus
from matcher.models.mail_preference import Delivery, MailPreference
from matcher.models.meeting import OPEN_MEETING_STATUSES, Meeting, MeetingOption, MeetingStatus
from matcher.models.profile import MentorProfile, StudentInterest, StudentProfile
from matcher.models.ratelimit import RateLimitCount
from matcher.models.released import ReleasedAddress
from matcher.models.round import (
    MAX_PREFERENCES,
    SLOT_MENTOR_TYPES,
    SLOTS,
    ConstraintKind,
    DraftOutcome,
    Round,
    RoundConstraint,
    RoundDraft,
    RoundLike,
    RoundPreference,
    RoundStatus,
    RoundStudent,
)
from matcher.models.submission import FormSubmission
from matcher.models.taskqueue import TASK_QUEUE_TABLES
from matcher.models.user import SIDES, Role, User
from matcher.models.vocab import (
    ContactPreference,
    FacultyRank,
    FocusArea,
    Goal,
    MentorType,
    Specialty,
    Stage,
    WantedMentor,
)
from matcher.models.waiting import WaitingSeat

__all__ = [
    "ACTIVE_STATUSES",
    "COMMITTED_STATUSES",
    "HELD_STATUSES",
    "MAX_PREFERENCES",
    "NEEDS_STATUSES",
    "OPEN_MEETING_STATUSES",
    "SIDES",
    "SLOTS",
    "SLOT_MENTOR_TYPES",
    "TASK_QUEUE_TABLES",
    "AuditEvent",
    "ConstraintKind",
    "ContactPreference",
    "Delivery",
    "DraftOutcome",
    "FacultyRank",
    "FocusArea",
    "FormSubmission",
    "Goal",
    "GroupEmailTemplate",
    "GroupKind",
    "Institution",
    "InstitutionKind",
    "InterestGroup",
    "IntroStatus",
    "Introduction",
    "IntroductionEvent",
    "IntroductionFeedback",
    "Job",
    "JobStatus",
    "JoinPolicy",
    "MailPreference",
    "Meeting",
    "MeetingOption",
    "MeetingStatus",
    "Membership",
    "MembershipStatus",
    "MentorProfile",
    "MentorType",
    "OutboxMessage",
    "OutboxStatus",
    "RateLimitCount",
    "RatingStage",
    "ReleasedAddress",
    "RematchPolicy",
    "Role",
    "Round",
    "RoundConstraint",
    "RoundDraft",
    "RoundLike",
    "RoundPreference",
    "RoundStatus",
    "RoundStudent",
    "Specialty",
    "Stage",
    "StudentInterest",
    "StudentProfile",
    "User",
    "WaitingSeat",
    "WantedMentor",
    "institution_departments",
]
