"""The sync's and the reports' models moved to their own apps (``sync``, ``reports``).

State only: the tables keep their names (``db_table`` pinned in the new apps), no data moves."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('dossiers', '0015_fee_obligations_and_payments'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.RemoveField(
                model_name='dossierrollup',
                name='agency',
            ),
            migrations.RemoveField(
                model_name='dossierrollup',
                name='dossier',
            ),
            migrations.RemoveField(
                model_name='dossierrollup',
                name='field',
            ),
            migrations.RemoveField(
                model_name='dossierrollup',
                name='procedure',
            ),
            migrations.RemoveField(
                model_name='dossierrollup',
                name='province',
            ),
            migrations.RemoveField(
                model_name='dossierrollup',
                name='unit',
            ),
            migrations.DeleteModel(
                name='IndexWeight',
            ),
            migrations.RemoveField(
                model_name='outboxentry',
                name='dossier',
            ),
            migrations.RemoveField(
                model_name='outboxentry',
                name='event',
            ),
            migrations.RemoveField(
                model_name='syncattempt',
                name='entry',
            ),
            migrations.RemoveField(
                model_name='periodrollup',
                name='agency',
            ),
            migrations.RemoveField(
                model_name='periodrollup',
                name='field',
            ),
            migrations.RemoveField(
                model_name='periodrollup',
                name='procedure',
            ),
            migrations.RemoveField(
                model_name='periodrollup',
                name='province',
            ),
            migrations.RemoveField(
                model_name='periodrollup',
                name='unit',
            ),
            migrations.DeleteModel(
                name='ReconciliationRun',
            ),
            migrations.DeleteModel(
                name='RollupWatermark',
            ),
            migrations.DeleteModel(
                name='DossierRollup',
            ),
            migrations.DeleteModel(
                name='OutboxEntry',
            ),
            migrations.DeleteModel(
                name='SyncAttempt',
            ),
            migrations.DeleteModel(
                name='PeriodRollup',
            ),
            ],
        ),
    ]
