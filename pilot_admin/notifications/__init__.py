"""The inbox: in-app messages, their pages and the daily e-mail digest."""
