"""The report's opinion map draws at most MAP_MARKS people, chosen evenly, so its size
does not grow with the conversation and each group keeps its share of the marks."""

from collections import Counter

from coproduce.deliberation.selectors import GROUP_COLOURS, MAP_MARKS, _map_points


def result_of(people: int) -> dict:
    groups = {f"p{i:05d}": (0 if i % 10 < 6 else 1 if i % 10 < 9 else 2) for i in range(people)}
    return {
        "ready": True,
        "map": {p: ((i % 37) / 37, (i % 23) / 23) for i, p in enumerate(groups)},
        "participants": groups,
        "staff": ["p00003"],
    }


def test_a_small_conversation_draws_everyone():
    assert len(_map_points(result_of(120))) == 120


def test_a_large_conversation_draws_a_fixed_number_with_each_groups_share():
    points = _map_points(result_of(12_345))
    assert len(points) == MAP_MARKS
    colours = Counter(point["colour"] for point in points)
    for group, share in ((0, 0.6), (1, 0.3), (2, 0.1)):
        assert abs(colours[GROUP_COLOURS[group]] / MAP_MARKS - share) < 0.02
    assert all(20 <= p["x"] <= 380 and 20 <= p["y"] <= 280 for p in points)


def test_staff_are_squares_only_when_both_sides_took_part():
    # Without both sides the report has no legend for squares, so none are drawn.
    assert sum(p["staff"] for p in _map_points(result_of(120))) == 1
    assert not any(p["staff"] for p in _map_points(result_of(120), has_roles=False))
