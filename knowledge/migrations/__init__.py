"""Schema migrations of the knowledge-base database (Alembic, configured in code: there is no alembic.ini).

`runner.py` brings a database to the newest revision (every process does this on first use, through
`knowledge.db.get_engine`) and drafts new revisions; `env.py` and `script.py.mako` are Alembic's environment
and revision template; `versions/` holds one file per schema change, oldest first. Imports sqlalchemy, alembic
`knowledge.models` and `knowledge.errors`, nothing else of the project.
"""
