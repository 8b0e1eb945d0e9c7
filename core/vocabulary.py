"""The method's named things, each defined once with the label people read."""

from __future__ import annotations

#: the five evidence dimensions, in the published order
DIMENSION_LABELS: dict[str, str] = {
    "job_posting_trends": "Job Posting Trends",
    "company_actions": "Company Actions",
    "wage_trends": "Wage Trends",
    "ai_tool_maturity": "AI Tool Maturity",
    "expert_consensus": "Expert Consensus",
}
BARRIER_LABELS: dict[str, str] = {
    "regulatory": "Regulatory/Licensing",
    "physical_presence": "Physical Presence",
    "union": "Union/Collective Bargaining",
    "liability": "Liability/Accountability",
    "cultural": "Cultural/Ethical",
}
PRINCIPLE_LABELS: dict[str, str] = {
    "embodied_physicality": "Embodied Physicality",
    "interpersonal_connection": "Deep Interpersonal Connection",
    "moral_judgment": "Goal-Setting & Moral Judgment",
}
DIMENSIONS: tuple[str, ...] = tuple(DIMENSION_LABELS)
BARRIERS: tuple[str, ...] = tuple(BARRIER_LABELS)
PRINCIPLES: tuple[str, ...] = tuple(PRINCIPLE_LABELS)
