"""The group directory and the invite-code box: a coordinator lists a group, anyone finds it by
name, specialty or institution, page by page; a student joins an open group at once or asks
to join one that approves, the coordinators are told and approve; unlisted groups never show;
a mistyped code keeps its box, a pasted link or stray spaces work, and wrong codes are limited."""

from matcher.extensions import db
from matcher.groups import directory, services
from matcher.models import GroupKind, InterestGroup, Membership, MembershipStatus, Role
from tests.helpers import hidden_fields, logged_in, make_group, make_user, outbox, post_form


def set_group(app, group_id, **fields) -> InterestGroup:
    with app.app_context():
        group = db.session.get(InterestGroup, group_id)
        for name, value in fields.items():
            setattr(group, name, value)
        db.session.commit()
        db.session.refresh(group)
        db.session.expunge(group)
        return group


def listed(app, name="Derm Interest Group", **kwargs) -> int:
    group_id = make_group(app, name, **kwargs)
    set_group(app, group_id, listed=True)
    return group_id


def status_of(app, group_id, user_id):
    with app.app_context():
        return db.session.scalar(
            db.select(Membership.status).where(
                Membership.group_id == group_id, Membership.user_id == user_id
            )
        )


def names_on(page: str, *names: str) -> list[str]:
    return [n for n in names if n in page]


# --- listing a group ------------------------------------------------------------------------


def test_a_coordinator_lists_the_group_in_its_settings(app, coordinator, student, specialties):
    group_id = make_group(app, coordinators=(coordinator,))
    anyone = app.test_client()
    assert "Derm Interest Group" not in anyone.get("/groups/find").get_data(as_text=True)
    manager = logged_in(app, coordinator)
    assert "Not listed in the group directory" in manager.get(f"/groups/{group_id}").get_data(
        as_text=True
    )
    form = manager.get(f"/groups/{group_id}/edit").get_data(as_text=True)
    assert "List the group in the group directory" in form
    response = post_form(
        manager,
        f"/groups/{group_id}/edit",
        {
            "name": "Derm Interest Group",
            "kind": "school",
            "institution": "Westbrook School of Medicine",
            "specialties": [str(specialties["Dermatology"])],
            "join_policy": "approval",
            "description": "Monthly journal club and clinic shadowing.",
            "listed": "y",
        },
    )
    assert response.status_code == 302
    assert "Listed in the" in manager.get(f"/groups/{group_id}").get_data(as_text=True)
    page = anyone.get("/groups/find").get_data(as_text=True)
    assert "Derm Interest Group" in page
    assert "Monthly journal club and clinic shadowing." in page
    assert "The coordinators approve each request" in page
    assert "Log in to join" in page
    detail = anyone.get(f"/groups/find/{group_id}")
    assert detail.status_code == 200
    assert "Westbrook School of Medicine" in detail.get_data(as_text=True)

    post_form(
        manager,
        f"/groups/{group_id}/edit",
        {
            "name": "Derm Interest Group",
            "kind": "school",
            "specialties": [str(specialties["Dermatology"])],
            "join_policy": "approval",
        },
    )
    assert "Derm Interest Group" not in anyone.get("/groups/find").get_data(as_text=True)
    assert anyone.get(f"/groups/find/{group_id}").status_code == 404


def test_unlisted_groups_never_appear_and_are_reached_by_code_only(app, coordinator, student):
    shown = listed(app, "Open Derm Group", coordinators=(coordinator,))
    hidden = make_group(app, "Quiet Derm Group", coordinators=(coordinator,))
    client = logged_in(app, student)
    for query in ({}, {"q": "derm"}, {"q": "quiet"}, {"kind": "school"}):
        page = client.get("/groups/find", query_string=query).get_data(as_text=True)
        assert "Quiet Derm Group" not in page
    assert "Open Derm Group" in client.get("/groups/find").get_data(as_text=True)
    assert client.get(f"/groups/find/{hidden}").status_code == 404
    refused = post_form(client, f"/groups/find/{hidden}/join", page=f"/groups/find/{shown}")
    assert refused.status_code == 404
    assert status_of(app, hidden, student.id) is None
    code = set_group(app, hidden).invite_code
    assert "Quiet Derm Group" in client.get(f"/join/{code}").get_data(as_text=True)


# --- searching --------------------------------------------------------------------------------


def test_search_by_name_specialty_institution_and_kind(app, specialties):
    derm = listed(app, "Westbrook Derm Society")
    set_group(app, derm, institution="Westbrook School of Medicine")
    ortho = listed(app, "Bone & Joint Club", specialty_names=("Orthopaedic Surgery",))
    set_group(app, ortho, institution="Lakeside College of Medicine")
    set_group(app, ortho, kind=GroupKind.SOCIETY)
    client = app.test_client()
    both = ("Westbrook Derm Society", "Bone & Joint Club")

    def found(**query) -> list[str]:
        response = client.get("/groups/find", query_string=query)
        assert response.status_code == 200
        return names_on(response.get_data(as_text=True).replace("&amp;", "&"), *both)

    assert found() == list(both)
    assert found(q="westbrook") == ["Westbrook Derm Society"]
    assert found(q="  LAKESIDE  ") == ["Bone & Joint Club"]
    assert found(q="orthopaedic") == ["Bone & Joint Club"]
    assert found(q="derm westbrook") == ["Westbrook Derm Society"]
    assert found(q="derm lakeside") == []
    assert found(q="100%") == []
    assert found(specialty=str(specialties["Dermatology"])) == ["Westbrook Derm Society"]
    assert found(kind="society") == ["Bone & Joint Club"]
    assert found(q="club", kind="school") == []
    nothing = client.get("/groups/find", query_string={"q": "cardiology"}).get_data(as_text=True)
    assert "No listed group matches your search." in nothing


def test_bad_search_input_is_named_and_ignored_with_a_400(app):
    listed(app, "Westbrook Derm Society")
    client = app.test_client()
    for query, message in (
        ({"specialty": "abc"}, "That specialty is not one of the choices; it was ignored."),
        ({"specialty": "999999"}, "That specialty is not one of the choices; it was ignored."),
        ({"kind": "club"}, "That kind of group is not one of the choices; it was ignored."),
        ({"q": "x" * 101}, "Search for 100 characters at most; the search was ignored."),
    ):
        response = client.get("/groups/find", query_string=query)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert message in page
        assert "Westbrook Derm Society" in page
    assert client.get("/groups/find", query_string={"page": "nope"}).status_code == 200


def test_the_directory_is_paginated_and_keeps_the_search(app):
    for n in range(directory.PAGE_SIZE + 3):
        listed(app, f"Derm Group {n:02d}")
    listed(app, "Cardiology Circle")
    client = app.test_client()
    first = client.get("/groups/find", query_string={"q": "derm"}).get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert "Derm Group 00" in first
    assert "Derm Group 22" not in first
    assert "/groups/find?page=2&amp;q=derm" in first
    second = client.get("/groups/find", query_string={"q": "derm", "page": 2})
    page = second.get_data(as_text=True)
    assert "Derm Group 22" in page
    assert "Derm Group 00" not in page
    assert "Cardiology Circle" not in page


# --- joining from the directory ---------------------------------------------------------------


def test_a_student_joins_an_open_listed_group_at_once(app, coordinator, student):
    group_id = listed(app, coordinators=(coordinator,))
    client = logged_in(app, student)
    page = client.get("/groups/find").get_data(as_text=True)
    assert "Join the group" in page
    response = post_form(client, f"/groups/find/{group_id}/join", page="/groups/find")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/groups/{group_id}"
    assert status_of(app, group_id, student.id) is MembershipStatus.ACTIVE
    assert not outbox(app, coordinator.email)
    after = client.get("/groups/find").get_data(as_text=True)
    assert "You are a member." in after
    assert "Open the group" in after


def test_a_request_to_an_approval_group_waits_for_the_coordinators(
    app, coordinator, student, mentor
):
    group_id = listed(app, coordinators=(coordinator,), policy="approval")
    client = logged_in(app, student)
    assert "Ask to join" in client.get(f"/groups/find/{group_id}").get_data(as_text=True)
    response = post_form(client, f"/groups/find/{group_id}/join", page=f"/groups/find/{group_id}")
    assert response.status_code == 303
    assert status_of(app, group_id, student.id) is MembershipStatus.PENDING
    groups_page = client.get("/groups").get_data(as_text=True)
    assert "Requests waiting for approval" in groups_page
    assert "Your request to join Derm Interest Group is with its coordinators." in groups_page
    assert "You asked to join" in client.get(f"/groups/find/{group_id}").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "Waiting for the coordinators to approve your request" in home
    again = post_form(client, f"/groups/find/{group_id}/join", page="/groups/find")
    assert again.status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 1

    [asked] = outbox(app, coordinator.email)
    assert asked.subject == "Sam Student asks to join Derm Interest Group"
    assert f"/groups/{group_id}" in asked.body_text
    assert client.get(f"/groups/{group_id}").status_code == 404

    manager = logged_in(app, coordinator)
    assert "Sam Student" in manager.get(f"/groups/{group_id}").get_data(as_text=True)
    with app.app_context():
        request_id = db.session.scalar(
            db.select(Membership.id).where(Membership.user_id == student.id)
        )
    decided = post_form(
        manager,
        f"/groups/{group_id}/requests/{request_id}/approve",
        page=f"/groups/{group_id}",
    )
    assert decided.status_code == 302
    assert status_of(app, group_id, student.id) is MembershipStatus.ACTIVE
    [approved] = outbox(app, student.email)
    assert approved.subject == "You are now a member of Derm Interest Group"
    assert client.get(f"/groups/{group_id}").status_code == 200


def test_a_student_withdraws_a_request(app, coordinator, student):
    group_id = listed(app, coordinators=(coordinator,), policy="approval")
    client = logged_in(app, student)
    post_form(client, f"/groups/find/{group_id}/join", page="/groups/find")
    response = post_form(client, f"/groups/{group_id}/leave", page="/groups")
    assert response.status_code == 302
    assert status_of(app, group_id, student.id) is None
    page = client.get("/groups").get_data(as_text=True)
    assert "You withdrew your request to join Derm Interest Group." in page
    assert "Requests waiting for approval" not in page


def test_an_invited_student_accepts_from_the_directory(app, coordinator, student):
    group_id = listed(app, coordinators=(coordinator,), policy="approval")
    with app.app_context():
        db.session.add(
            Membership(group_id=group_id, user_id=student.id, status=MembershipStatus.INVITED)
        )
        db.session.commit()
    client = logged_in(app, student)
    assert "Accept the invitation" in client.get("/groups/find").get_data(as_text=True)
    post_form(client, f"/groups/find/{group_id}/join", page="/groups/find")
    assert status_of(app, group_id, student.id) is MembershipStatus.ACTIVE


def test_visitors_log_in_first_and_coordinators_cannot_join(app, coordinator):
    group_id = listed(app, coordinators=(coordinator,))
    anyone = app.test_client()
    page = anyone.get(f"/groups/find/{group_id}").get_data(as_text=True)
    assert f"/login?next=/groups/find/{group_id}" in page
    token = anyone.get("/login").get_data(as_text=True)
    assert "csrf_token" in token
    response = post_form(anyone, f"/groups/find/{group_id}/join", page="/login")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")

    other = make_user(app, Role.COORDINATOR, "other.coord@example.edu", "Otto Other")
    client = logged_in(app, other)
    assert "Ask to join" not in client.get(f"/groups/find/{group_id}").get_data(as_text=True)
    refused = post_form(client, f"/groups/find/{group_id}/join", page="/groups/find")
    assert refused.status_code == 403
    assert "Only students and mentors join groups" in refused.get_data(as_text=True)
    assert status_of(app, group_id, other.id) is None


def test_a_join_without_its_csrf_token_is_refused(app, student):
    group_id = listed(app)
    client = logged_in(app, student)
    assert client.post(f"/groups/find/{group_id}/join").status_code == 400
    assert status_of(app, group_id, student.id) is None


# --- the way in: navigation and home ----------------------------------------------------------


def test_the_directory_is_linked_from_the_navigation_and_the_home_page(app, student, mentor):
    landing = app.test_client().get("/").get_data(as_text=True)
    assert 'href="/groups/find"' in landing
    for user in (student, mentor):
        home = logged_in(app, user).get("/").get_data(as_text=True)
        assert '<a href="/groups/find">Find a group</a>' in home
        assert "find a listed group and ask to join" in home
    page = logged_in(app, student).get("/groups/find").get_data(as_text=True)
    assert '<a href="/groups/find" aria-current="page">Find a group</a>' in page
    assert '<a href="/groups" aria-current="page">' not in page


# --- the invite-code box ----------------------------------------------------------------------


def test_a_mistyped_code_keeps_the_box_to_try_again(app, coordinator, student):
    group_id = make_group(app, coordinators=(coordinator,))
    code = set_group(app, group_id).invite_code
    client = logged_in(app, student)
    wrong = client.get("/join", query_string={"code": code[:-1] + "!"})
    assert wrong.status_code == 404
    page = wrong.get_data(as_text=True)
    assert "This invite link or code does not work" in page
    assert f'value="{code[:-1]}!"' in page
    assert f'No group has the code <code class="typed-code">{code[:-1]}!</code>' in page
    assert 'action="/join"' in page
    assert 'href="/groups/find"' in page
    mistyped = client.get(f"/join/{code}x")
    assert mistyped.status_code == 404
    assert f'value="{code}x"' in mistyped.get_data(as_text=True)
    retried = client.get("/join", query_string={"code": code})
    assert retried.headers["Location"] == f"/join/{code}"


def test_stray_spaces_and_a_pasted_link_find_the_group(app, coordinator, student):
    group_id = make_group(app, coordinators=(coordinator,))
    code = set_group(app, group_id).invite_code
    client = logged_in(app, student)
    for typed in (
        f"  {code}\t",
        f"{code[:4]} {code[4:]}",
        f"https://mentors.example.org/join/{code}",
        f" http://localhost/join/{code}/?utm_source=mail ",
        f"/join/{code}#top",
    ):
        response = client.get("/join", query_string={"code": typed})
        assert response.status_code == 302, typed
        assert response.headers["Location"] == f"/join/{code}"
    assert client.get(f"/join/%20{code}%20").status_code == 200
    too_long = client.get("/join", query_string={"code": "x" * 501})
    assert too_long.status_code == 400
    assert "That is too long for an invite code or link." in too_long.get_data(as_text=True)
    assert "No group has the code" not in too_long.get_data(as_text=True)
    pasted = client.get("/join", query_string={"code": f"https://x.example/join/{code}zz?a=b"})
    assert pasted.status_code == 404
    assert f'<code class="typed-code">{code}zz</code>' in pasted.get_data(as_text=True)


def test_the_code_is_read_from_what_was_typed_or_pasted():
    read = services.invite_code_from
    assert read(" Ab3_-x Yz\t") == "Ab3_-xYz"
    assert read("https://mentors.example.org/join/Ab3_-xYz") == "Ab3_-xYz"
    assert read("mentors.example.org/join/Ab3_-xYz/?ref=mail#top") == "Ab3_-xYz"
    assert read("https://mentors.example.org/join/a/join/Ab3") == "Ab3"
    for nothing in (None, "", "   ", "https://mentors.example.org/join/", "café", "a" * 33):
        assert read(nothing) is None, nothing
    assert read("a" * 32) == "a" * 32


def test_wrong_codes_are_limited_per_address(app, coordinator, student):
    group_id = make_group(app, coordinators=(coordinator,))
    code = set_group(app, group_id).invite_code
    client = logged_in(app, student)
    address = {"environ_base": {"REMOTE_ADDR": "198.51.100.77"}}
    for n in range(20):
        assert client.get(f"/join/wrong{n}", **address).status_code == 404
    assert client.get(f"/join/{code}", **address).status_code == 429
    assert client.get("/join", query_string={"code": "again"}, **address).status_code == 429
    elsewhere = {"environ_base": {"REMOTE_ADDR": "198.51.100.78"}}
    assert client.get(f"/join/{code}", **elsewhere).status_code == 200


def test_right_codes_do_not_count_against_the_limit(app, coordinator, student):
    group_id = make_group(app, coordinators=(coordinator,))
    code = set_group(app, group_id).invite_code
    client = logged_in(app, student)
    address = {"environ_base": {"REMOTE_ADDR": "198.51.100.79"}}
    for _ in range(25):
        assert client.get(f"/join/{code}", **address).status_code == 200
    assert client.get("/join/wrong", **address).status_code == 404


def test_join_requests_are_limited_per_person(app, student):
    group_ids = [listed(app, f"Derm Group {n:02d}", policy="approval") for n in range(31)]
    client = logged_in(app, student)
    token = {"csrf_token": hidden_fields(client, "/groups/find")["csrf_token"]}
    for group_id in group_ids[:30]:
        assert client.post(f"/groups/find/{group_id}/join", data=token).status_code == 303
    assert client.post(f"/groups/find/{group_ids[30]}/join", data=token).status_code == 429
    assert status_of(app, group_ids[30], student.id) is None
    other = logged_in(app, make_user(app, Role.STUDENT, "other@example.edu", "Olu Other"))
    token = {"csrf_token": hidden_fields(other, "/groups/find")["csrf_token"]}
    assert other.post(f"/groups/find/{group_ids[30]}/join", data=token).status_code == 303
