"""switchy: one dialplan for a whole FreeSWITCH cluster, executed over the Event Socket."""

__version__ = "0.1.0"
