"""Interest groups: creating them, the public group directory, joining by invite link, code or
from the directory, approving requests, coordinators."""
