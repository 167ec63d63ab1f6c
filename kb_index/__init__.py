"""Semantic index over the hotline knowledge base (FAISS + an offline embedder).

Runs in `.venv/svc` (Python >= 3.11) and never imports Rasa or TensorFlow.
"""
from kb_index import _threads

_threads.configure()
