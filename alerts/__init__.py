"""Alerts: which facts go to whom (select), rendering (render), channels, the delivery outbox, operator notices."""
