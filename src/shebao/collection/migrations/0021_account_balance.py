"""Running balances of the employers' ledger accounts (`collection.AccountBalance`), kept by a trigger
on `collection_posting`, and filled from the postings already there.

PostgreSQL: one statement-level AFTER INSERT trigger on the partitioned table, reading the statement's
new rows as a transition table, adds each (account, employer)'s sum in one upsert, in key order (two
transactions touching the same balances lock them in the same order); enabled ALWAYS, so that it also
fires in a transaction that runs as a replica to skip key checks (the dues build). SQLite: a row trigger does the
same for each posting. Postings are append-only (never updated or deleted): inserts are the only change.

Reversible: backwards, the triggers and the table go; the postings are untouched.
"""

from django.db import migrations, models

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION collection_account_balance_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO collection_accountbalance (account, employer_id, balance_fen)
    SELECT account, employer_id, SUM(amount_fen) FROM collection_posting_new
    WHERE employer_id IS NOT NULL GROUP BY account, employer_id ORDER BY employer_id, account
    ON CONFLICT (employer_id, account)
    DO UPDATE SET balance_fen = collection_accountbalance.balance_fen + EXCLUDED.balance_fen;
    RETURN NULL;
END $$
"""
PG_TRIGGER = ("CREATE TRIGGER collection_posting_balance AFTER INSERT ON collection_posting "
              "REFERENCING NEW TABLE AS collection_posting_new FOR EACH STATEMENT "
              "EXECUTE FUNCTION collection_account_balance_add()")
SQLITE_TRIGGER = """
CREATE TRIGGER collection_posting_balance AFTER INSERT ON collection_posting
WHEN NEW.employer_id IS NOT NULL
BEGIN
    INSERT INTO collection_accountbalance (account, employer_id, balance_fen)
    VALUES (NEW.account, NEW.employer_id, NEW.amount_fen)
    ON CONFLICT (employer_id, account) DO UPDATE SET balance_fen = balance_fen + excluded.balance_fen;
END
"""
FILL = ("INSERT INTO collection_accountbalance (account, employer_id, balance_fen) "
        "SELECT account, employer_id, SUM(amount_fen) FROM collection_posting WHERE employer_id IS NOT NULL "
        "GROUP BY account, employer_id")


def forward(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTION)
            cursor.execute(PG_TRIGGER)
            # Fires under session_replication_role = replica too: the dues build turns the key checks
            # off so (collection.services._row_checks_off), and its postings must still be counted.
            cursor.execute("ALTER TABLE collection_posting ENABLE ALWAYS TRIGGER collection_posting_balance")
        else:
            cursor.execute(SQLITE_TRIGGER)
        cursor.execute(FILL)


def backward(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS collection_posting_balance"
                       + (" ON collection_posting" if schema_editor.connection.vendor == "postgresql" else ""))
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS collection_account_balance_add()")


class Migration(migrations.Migration):

    dependencies = [
        ("collection", "0020_posting_partitioned"),
        ("registry", "0019_contribution_partitioned"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccountBalance",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("account", models.CharField(max_length=40, verbose_name="科目")),
                ("balance_fen", models.BigIntegerField(verbose_name="余额（分，借正贷负）")),
                ("employer", models.ForeignKey(db_constraint=False, db_index=False,
                                               on_delete=models.deletion.DO_NOTHING, related_name="+",
                                               to="registry.employer", verbose_name="单位")),
            ],
            options={"verbose_name": "单位科目余额", "verbose_name_plural": "单位科目余额"},
        ),
        migrations.AddConstraint(
            model_name="accountbalance",
            constraint=models.UniqueConstraint(fields=("employer", "account"), name="account_balance_once"),
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
