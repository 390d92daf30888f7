"""The Day itself: desks and the call, the hall screen, the kiosk, the waiting list."""
