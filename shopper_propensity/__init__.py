"""Shopper propensity: synthetic Comscore-style panel generator and helpers for the dbt project."""
