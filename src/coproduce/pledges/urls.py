"""Pledge and report pages. Each part keeps its own list (pledges, reports, scorecard),
so they can grow apart."""

urlpatterns: list = []
