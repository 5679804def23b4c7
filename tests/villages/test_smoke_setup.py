def test_township_official_sees_only_own_villages(village_a, village_b, township_a_official):
    from villages.models import Village

    assert list(Village.objects.visible_to(township_a_official)) == [village_a]
