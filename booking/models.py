"""Therapists, schedules and appointments arrive with the booking issue."""
