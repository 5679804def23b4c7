"""pilot_admin/reversing.py remembers reversed URLs; it must give what reverse() gives, under
whatever URLconf and script prefix are in force."""

from django.urls import clear_script_prefix, reverse, set_script_prefix

from pilot_admin.reversing import reverse_id, reverse_static


def test_remembered_urls_are_what_reverse_gives():
    assert reverse_static("villages:village_list") == reverse("villages:village_list")
    for view_name in ("villages:village_detail", "tasks:task_detail", "guardianship:person_detail"):
        for pk in (1, 7, 123456):
            assert reverse_id(view_name, pk) == reverse(view_name, args=[pk])


def test_a_script_prefix_and_another_urlconf_get_their_own(settings):
    before = reverse_id("villages:village_detail", 5)
    set_script_prefix("/pilot/")
    try:
        assert reverse_id("villages:village_detail", 5) == "/pilot" + before
        assert reverse_static("home") == "/pilot/"
    finally:
        clear_script_prefix()
    assert reverse_id("villages:village_detail", 5) == before
    settings.ROOT_URLCONF = "bench.urls"
    assert reverse_static("bench_floor_villages") == "/bench-floor/villages/"
