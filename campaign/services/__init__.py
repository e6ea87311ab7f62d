"""Writes and side effects. Views, admin and tasks call these; rules live here."""
