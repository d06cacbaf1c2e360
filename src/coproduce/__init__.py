"""Coproduce: a web application for the co-production of public services."""
