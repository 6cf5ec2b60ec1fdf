"""SocialCoder: coding psychotherapy-session transcripts for process research."""

__version__ = "0.1.0"
