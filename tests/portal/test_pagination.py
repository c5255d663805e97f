"""portal.pagination: pages of a list that is never counted."""

from __future__ import annotations

import pytest

from portal import pagination
from portal.pagination import uncounted_page


class Uncountable(list):
    """A list that refuses to be counted, as the pager must never count."""

    def __len__(self):
        raise AssertionError("counted")

    def __getitem__(self, index):
        return list.__getitem__(list(iter(self)), index)


def test_pages_read_one_item_more_and_never_count():
    items = Uncountable(range(7))
    first = uncounted_page(items, "1", 3)
    assert (first.object_list, first.number, first.has_previous, first.has_next) == (
        [0, 1, 2],
        1,
        False,
        True,
    )
    assert first.has_other_pages()
    assert first.paginator is None
    last = uncounted_page(items, "3", 3)
    assert (last.object_list, last.has_previous, last.has_next) == ([6], True, False)
    assert last.previous_page_number() == 2
    exact = uncounted_page(Uncountable(range(6)), "2", 3)
    assert (exact.object_list, exact.has_next) == ([3, 4, 5], False)
    beyond = uncounted_page(items, "9", 3)
    assert (beyond.object_list, beyond.has_previous, beyond.has_next) == ([], True, False)
    alone = uncounted_page(Uncountable(range(2)), None, 3)
    assert not alone.has_other_pages()


@pytest.mark.parametrize(
    ("asked", "number"),
    [(None, 1), ("", 1), ("abc", 1), ("-3", 1), ("0", 1), ("2", 2), ("1e3", 1), ("9" * 5000, 1)],
)
def test_any_page_parameter_is_a_page(asked, number):
    assert pagination.page_number(asked) == number


def test_the_last_page_served_says_that_more_exist_without_a_next_link(monkeypatch):
    monkeypatch.setattr(pagination, "MAX_PAGE", 2)
    items = list(range(10))
    page = uncounted_page(items, "99", 3)
    assert (page.number, page.object_list, page.has_next, page.beyond_last) == (
        2,
        [3, 4, 5],
        False,
        True,
    )
