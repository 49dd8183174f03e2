"""The safety net's pure parts, importable from the gateway and the Rasa action server."""

from safety.risk import RISK_CATEGORIES, RiskAssessment, assess_risk

__all__ = ["RISK_CATEGORIES", "RiskAssessment", "assess_risk"]
