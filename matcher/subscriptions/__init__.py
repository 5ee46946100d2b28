"""Mail preferences: each email at once or a daily digest, and unsubscribing by emailed link."""
