# Similar questions on PostgreSQL (sessions/similarity.py): pg_trgm, a generated column holding
# each question's Danish terms, and a GIN trigram index on it for the moderators' suggested
# pairs. All of it PostgreSQL only: on SQLite this migration does nothing, and the model does not
# know the column (the selectors read it on PostgreSQL alone).

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# As sessions.similarity.STOP_WORDS was when this ran: the column keeps the terms without them.
# tests/test_similarity_quality.py checks that the column still agrees with STOP_WORDS; when
# STOP_WORDS changes, a new migration redefines the column.
STOP_WORDS = (
    "af alle alt altid at blev bliver bygges bygget da de dem den denne der deres det dette dig "
    "din dine disse du efter eller en end er et flere for fra få fået får gamle gammel gør gøre "
    "gøres har hos hun hvad hvem hvis hvor hvordan hvorfor hvornår i igen ikke ind ingen jeg "
    "jer jeres jo kan kommer kunne lang længe man mange med meget men mig min mine mit må ned "
    "noget nogle nu ny nye nyt når og også om op os over på sig sin sine sit skal sker skulle "
    "snart som så tid til ud under var ved vi vil ville være været"
)
TERMS = (
    "strip(ts_delete(to_tsvector('danish'::regconfig, body), "
    f"tsvector_to_array(to_tsvector('danish'::regconfig, '{STOP_WORDS}'))))::text"
)


def add_terms(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE townhall_sessions_post ADD COLUMN similarity_terms text "
        f"GENERATED ALWAYS AS ({TERMS}) STORED"
    )
    # Without fastupdate: new questions go straight into the index, not into a pending list
    # that every search reads through until a vacuum (seconds for the pairs of a busy session).
    schema_editor.execute(
        "CREATE INDEX townhall_sessions_post_similarity_terms_trgm "
        "ON townhall_sessions_post USING gin (similarity_terms gin_trgm_ops) "
        "WITH (fastupdate = off)"
    )


def drop_terms(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE townhall_sessions_post DROP COLUMN similarity_terms")


class Migration(migrations.Migration):
    dependencies = [
        ("townhall_sessions", "0017_recovery_codes_hashed"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(add_terms, drop_terms, elidable=False),
    ]
