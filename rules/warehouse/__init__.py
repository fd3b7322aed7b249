"""Rules of the warehouse itself: what it holds, beside what dbt believes (WHS...)."""
