"""task queue: Huey's tables for PostgreSQL; jobs keep their payload, runs and page status

Jobs left unfinished by the thread runner this replaces cannot be run by the worker (their
work was never stored); they are marked stopped, to be started again.

Revision ID: 0010_task_queue
Revises: 0009_institutions
Create Date: 2026-12-04 22:44:01.801998

"""
from alembic import op
import sqlalchemy as sa

import matcher.database


# revision identifiers, used by Alembic.
revision = '0010_task_queue'
down_revision = '0009_institutions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('task_queue_counter',
    sa.Column('queue', sa.Text(), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('value', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('queue', 'key', name=op.f('pk_task_queue_counter'))
    )
    op.create_table('task_queue_kv',
    sa.Column('queue', sa.Text(), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('value', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('queue', 'key', name=op.f('pk_task_queue_kv'))
    )
    op.create_table('task_queue_schedule',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('queue', sa.Text(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('timestamp', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_queue_schedule'))
    )
    with op.batch_alter_table('task_queue_schedule', schema=None) as batch_op:
        batch_op.create_index('task_queue_schedule_queue_timestamp', ['queue', 'timestamp'], unique=False)

    op.create_table('task_queue_task',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('queue', sa.Text(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('priority', sa.Double(), server_default='0.0', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_queue_task'))
    )
    with op.batch_alter_table('task_queue_task', schema=None) as batch_op:
        batch_op.create_index('task_queue_task_queue_priority_id', ['queue', 'priority', 'id'], unique=False)

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_code', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('payload', sa.JSON(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('runner', sa.String(length=32), server_default='', nullable=False))
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.alter_column('status_code', server_default=None)
        batch_op.alter_column('payload', server_default=None)
        batch_op.alter_column('attempts', server_default=None)
        batch_op.alter_column('runner', server_default=None)
    op.execute(
        "UPDATE jobs SET status = 'failed', status_code = 409, "
        "error = 'This job stopped when the site was upgraded. Nothing was saved; start it again.' "
        "WHERE status IN ('queued', 'running')"
    )



def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('runner')
        batch_op.drop_column('attempts')
        batch_op.drop_column('payload')
        batch_op.drop_column('status_code')

    with op.batch_alter_table('task_queue_task', schema=None) as batch_op:
        batch_op.drop_index('task_queue_task_queue_priority_id')

    op.drop_table('task_queue_task')
    with op.batch_alter_table('task_queue_schedule', schema=None) as batch_op:
        batch_op.drop_index('task_queue_schedule_queue_timestamp')

    op.drop_table('task_queue_schedule')
    op.drop_table('task_queue_kv')
    op.drop_table('task_queue_counter')
