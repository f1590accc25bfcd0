"""Selecting the tests a change can break, with the reasons why."""
