"""Conversation-level evaluation: scripted citizens (bench/conversations/*.yml) played
against the real stack; per-conversation verdicts and aggregate quality metrics.

    PYTHONPATH=. .venv/rasa/bin/python -m bench.conversation_eval.run --split dev
"""
