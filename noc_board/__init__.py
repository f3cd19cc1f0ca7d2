"""NOC Board: a wallboard for the operations room of an online marketplace."""

__version__ = "0.1.0"
