"""Scoring: pandera models, evidence metrics, the rubric, and the AIJRI formula."""
