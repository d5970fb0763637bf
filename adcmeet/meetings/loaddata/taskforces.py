"""Task forces with their conveners and members, checkpoints with goals, nested outlines."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.utils.text import slugify

from adcmeet.meetings.loaddata.shape import BATCH
from adcmeet.meetings.loaddata.vocabulary import (
    KIND_SUFFIX,
    OUTLINE_PHRASES,
    PLACES,
    THINGS,
    TOPICS,
    VERBS,
)
from taskforces.models import Checkpoint, CheckpointGoal, OutlineItem, TaskForce

if TYPE_CHECKING:
    from adcmeet.meetings.loaddata.generator import Generator


def make_task_forces(g: Generator) -> None:
    g.step(f"{g.sizes.task_forces} task forces")
    rng = g.rng
    combos = [(topic, kind) for topic in TOPICS for kind in KIND_SUFFIX]
    rng.shuffle(combos)
    statuses = [TaskForce.Status.ACTIVE] * 14 + [TaskForce.Status.PROPOSED] * 2
    statuses += [TaskForce.Status.PAUSED] + [TaskForce.Status.CLOSED] * 3
    task_forces = []
    for index in range(g.sizes.task_forces):
        topic, kind = combos[index % len(combos)]
        name = f"{topic} {KIND_SUFFIX[kind]}"
        if index >= len(combos):
            name += f" {index // len(combos) + 1}"
        task_forces.append(
            TaskForce(
                name=name,
                slug=slugify(name),
                kind=kind,
                scope=f"Everything about {topic.lower()}: plans, open questions, testbeds.",
                status=rng.choice(statuses),
            )
        )
    g.task_forces = TaskForce.objects.bulk_create(task_forces, batch_size=BATCH)
    conveners = TaskForce.conveners.through
    members = TaskForce.members.through
    convener_rows, member_rows = [], []
    for index, tf in enumerate(g.task_forces):
        chosen = rng.sample(g.people, min(len(g.people), rng.randint(4, 12)))
        for user in chosen[: rng.randint(1, 2)]:
            convener_rows.append(conveners(taskforce_id=tf.pk, user_id=user.pk))
        for user in chosen[2:]:
            member_rows.append(members(taskforce_id=tf.pk, user_id=user.pk))
        if index % 20 == 0:
            member_rows.append(members(taskforce_id=tf.pk, user_id=g.bench_developer.pk))
    conveners.objects.bulk_create(convener_rows, batch_size=BATCH)
    members.objects.bulk_create(member_rows, batch_size=BATCH)
    g.tf_conveners = {row.taskforce_id: row.user_id for row in convener_rows}


def make_checkpoints(g: Generator) -> None:
    g.step(f"{g.sizes.checkpoints} checkpoints")
    rng = g.rng
    first = g.today - datetime.timedelta(weeks=g.sizes.weeks)
    span = (g.today + datetime.timedelta(days=365) - first).days
    checkpoints = []
    for index in range(g.sizes.checkpoints):
        day = first + datetime.timedelta(days=span * (index + 1) // (g.sizes.checkpoints + 1))
        place = PLACES[index % len(PLACES)]
        name = f"{place} workshop {day.year}"
        checkpoints.append(
            Checkpoint(
                name=name,
                slug=f"{slugify(name)}-{index}",
                date=day,
                end_date=day + datetime.timedelta(days=rng.randint(0, 4)),
                location=place,
                description=f"Task forces show progress at the {place} software workshop.",
            )
        )
    g.checkpoints = Checkpoint.objects.bulk_create(checkpoints, batch_size=BATCH)
    goals = []
    g.goal_checkpoints = {}
    for checkpoint in g.checkpoints:
        k = min(len(g.task_forces), rng.randint(3, 8))
        for tf in rng.sample(g.task_forces, k):
            goals.append(
                CheckpointGoal(
                    checkpoint_id=checkpoint.pk,
                    task_force_id=tf.pk,
                    goal=f"Show the {rng.choice(OUTLINE_PHRASES).lower()} working.",
                )
            )
            g.goal_checkpoints.setdefault(tf.pk, []).append(checkpoint.pk)
    CheckpointGoal.objects.bulk_create(goals, batch_size=BATCH)


def make_outlines(g: Generator) -> None:
    g.step("outlines (~20 nested items per task force)")
    rng = g.rng
    kinds = [OutlineItem.Kind.PLAN] * 5 + [
        OutlineItem.Kind.QUESTION,
        OutlineItem.Kind.USE_CASE,
        OutlineItem.Kind.TESTBED,
        OutlineItem.Kind.NOTE,
    ]
    # (task force pk, parent index or None, depth, text, kind, done, position, checkpoint)
    nodes: list[tuple] = []
    for tf in g.task_forces:
        total = rng.randint(16, 24)
        tops = []
        for position in range(rng.randint(4, 6)):
            tops.append(len(nodes))
            nodes.append((tf.pk, None, 0, rng.choice(OUTLINE_PHRASES), position))
        children: dict[int, int] = {}
        seconds = []
        while len(nodes) - tops[0] < total:
            if seconds and rng.random() < 0.25:
                parent = rng.choice(seconds)
                depth = 2
            else:
                parent = rng.choice(tops)
                depth = 1
            position = children.get(parent, 0)
            children[parent] = position + 1
            if depth == 1:
                seconds.append(len(nodes))
            text = f"{rng.choice(VERBS)} {rng.choice(THINGS)}"
            nodes.append((tf.pk, parent, depth, text, position))
    created: dict[int, int] = {}
    for depth in (0, 1, 2):
        batch_index, batch = [], []
        for index, (tf_pk, parent, node_depth, text, position) in enumerate(nodes):
            if node_depth != depth:
                continue
            goal_checkpoints = g.goal_checkpoints.get(tf_pk)
            checkpoint = (
                rng.choice(goal_checkpoints) if goal_checkpoints and rng.random() < 0.15 else None
            )
            batch_index.append(index)
            batch.append(
                OutlineItem(
                    task_force_id=tf_pk,
                    parent_id=created[parent] if parent is not None else None,
                    kind=rng.choice(kinds),
                    text=text,
                    done=rng.random() < 0.3,
                    position=position,
                    checkpoint_id=checkpoint,
                )
            )
        for index, item in zip(
            batch_index, OutlineItem.objects.bulk_create(batch, batch_size=BATCH), strict=True
        ):
            created[index] = item.pk
    g.outline_by_tf = {}
    for index, node in enumerate(nodes):
        g.outline_by_tf.setdefault(node[0], []).append(created[index])
