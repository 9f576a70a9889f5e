"""`python -m smsbot` runs the same command line as `smsbot`."""

from smsbot.cli import main

main()
