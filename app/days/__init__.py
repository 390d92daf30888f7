"""Days, their slots, the calendar rule and public holidays."""
