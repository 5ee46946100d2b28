"""A NUL character anywhere in a request is refused with a 400 before any query runs:
PostgreSQL cannot hold it in text, so it would otherwise fail inside a query (a 500)."""

import pytest

from tests.helpers import logged_in, post_form


@pytest.mark.parametrize(
    "path",
    ["/admin/users?q=a%00b", "/groups?unused=x%00", "/admin/users?role%00=student", "/j%00"],
)
def test_a_nul_in_the_path_or_query_is_a_400(app, admin, path):
    client = logged_in(app, admin)
    assert client.get(path.replace("%00", "")).status_code in {200, 404}
    response = client.get(path)
    assert response.status_code == 400
    assert "could not be understood" in response.get_data(as_text=True)


def test_a_nul_in_a_form_field_is_a_400_and_nothing_changes(app, student):
    client = logged_in(app, student)
    response = post_form(client, "/profile/edit", {"school": "West\x00brook"})
    assert response.status_code == 400
    assert "West" not in client.get("/profile").get_data(as_text=True)
