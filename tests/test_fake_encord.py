"""FakeEncord driven by the real `encord` SDK: every call labelsync makes, then each injected fault
with the SDK's observed reaction (exception, attempts, time) asserted."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from encord.exceptions import (
    AuthenticationError,
    GenericServerError,
    InvalidArgumentsError,
    PayloadTooLargeError,
    RateLimitExceededError,
    RequestException,
    UnknownException,
)
from encord.objects import LabelRowV2, Object, ObjectInstance
from encord.objects.coordinates import BoundingBoxCoordinates
from encord.orm.collection import (
    ProjectCollectionType,
    ProjectDataCollectionItemRequest,
    ProjectLabelCollectionItemRequest,
)
from encord.project import Project
from encord.user_client import EncordUserClient
from fake_encord import FakeEncord, Fault, generate_ssh_key
from fake_encord.sdk import sdk_client

pytest_plugins = ["fake_encord.fixtures"]

EDITOR: dict[str, Any] = {
    "objects": [
        {
            "id": "1",
            "name": "Car",
            "color": "#D33115",
            "shape": "bounding_box",
            "featureNodeHash": "car00001",
            "attributes": [],
        },
        {
            "id": "2",
            "name": "Person",
            "color": "#00FF00",
            "shape": "bounding_box",
            "featureNodeHash": "person01",
            "attributes": [],
        },
    ],
    "classifications": [
        {
            "id": "3",
            "featureNodeHash": "weather1",
            "attributes": [
                {
                    "id": "3.1",
                    "name": "Weather",
                    "type": "radio",
                    "featureNodeHash": "weathrq1",
                    "required": False,
                    "options": [
                        {"id": "3.1.1", "label": "Sunny", "value": "sunny", "featureNodeHash": "sunny001"}
                    ],
                },
            ],
        },
    ],
}
BOX = BoundingBoxCoordinates(height=0.2, width=0.2, top_left_x=0.1, top_left_y=0.1)


class Seed:
    """A project with an image, a 10-frame video and a 3-image group."""

    def __init__(self, server: FakeEncord) -> None:
        self.server = server
        self.hash = server.add_project("Fake project", EDITOR)
        self.image = server.add_data_unit(self.hash, "street.jpg", width=640, height=480)
        self.video = server.add_data_unit(self.hash, "drive.mp4", type="video", frames=10, fps=5.0)
        self.group = server.add_data_unit(self.hash, "series", type="img_group", frames=3)
        self.all = [self.image, self.video, self.group]


@pytest.fixture
def seed(fake_encord: FakeEncord) -> Seed:
    return Seed(fake_encord)


@pytest.fixture
def project(encord_client: EncordUserClient, seed: Seed) -> Project:
    return encord_client.get_project(seed.hash)


def obj(project: Project, name: str) -> Object:
    return next(o for o in project.ontology_structure.objects if o.name == name)


def add_box(row: LabelRowV2, o: Object, frames: tuple[int, ...] = (0,)) -> ObjectInstance:
    instance = o.create_instance()
    for frame in frames:
        instance.set_for_frames(BOX, frames=frame)
    row.add_object_instance(instance)
    return instance


def initialised(project: Project, **filters: Any) -> list[LabelRowV2]:
    rows = project.list_label_rows_v2(**filters)
    with project.create_bundle() as bundle:
        for row in rows:
            row.initialise_labels(bundle=bundle)
    return rows


def without_edit_time(row: dict[str, Any] | None) -> dict[str, Any]:
    assert row is not None
    return {k: v for k, v in row.items() if k != "last_edited_at"}


def timed(action: Callable[[], object]) -> tuple[BaseException | None, float]:
    start = time.monotonic()
    try:
        action()
    except Exception as e:
        return e, time.monotonic() - start
    return None, time.monotonic() - start


# -- the SDK calls labelsync makes ----------------------------------------------------------------------


def test_get_project_fetches_the_project_then_its_ontology(
    fake_encord: FakeEncord, seed: Seed, encord_client: EncordUserClient
) -> None:
    project = encord_client.get_project(seed.hash)
    assert project.title == "Fake project"
    assert project.ontology_hash == fake_encord.ontology_hash(seed.hash)
    assert [o.feature_node_hash for o in project.ontology_structure.objects] == ["car00001", "person01"]
    assert [(r.method, r.path) for r in fake_encord.requests] == [
        ("GET", f"/v2/public/projects/{seed.hash}"),
        ("GET", f"/v2/public/ontologies/{project.ontology_hash}"),
    ]


def test_a_bearer_token_client_reaches_both_apis(fake_encord: FakeEncord, seed: Seed) -> None:
    project = sdk_client(fake_encord, token="s3cret").get_project(seed.hash)
    assert len(project.list_label_rows_v2()) == 3


def test_listing_has_one_uncreated_entry_per_data_unit_in_one_request(
    fake_encord: FakeEncord, seed: Seed, project: Project
) -> None:
    fake_encord.clear_log()
    rows = project.list_label_rows_v2()
    assert [(r.data_hash, r.label_hash, r.branch_name) for r in rows] == [(h, None, "main") for h in seed.all]
    assert [r.number_of_frames for r in rows] == [1, 10, 3]
    assert fake_encord.count("labelrowmetadata.GET") == 1 and fake_encord.count() == 1


def test_listing_filters(fake_encord: FakeEncord, seed: Seed, project: Project) -> None:
    initialised(project, data_hashes=[seed.image])  # creates the image's main row
    dev = initialised(project, data_hashes=[seed.video], branch_name="dev")[0]
    assert [r.data_title for r in project.list_label_rows_v2(data_hashes=[seed.video])] == ["drive.mp4"]
    assert [r.data_hash for r in project.list_label_rows_v2(data_title_eq="series")] == [seed.group]
    assert [r.data_hash for r in project.list_label_rows_v2(data_title_like="%.jp_")] == [seed.image]
    on_dev = project.list_label_rows_v2(branch_name="dev")
    assert [(r.data_hash, r.branch_name, r.label_hash) for r in on_dev] == [
        (seed.image, "dev", None),
        (seed.video, "dev", dev.label_hash),
        (seed.group, "dev", None),
    ]
    everything = project.list_label_rows_v2(include_all_label_branches=True)
    assert sorted((r.data_title, r.branch_name, r.label_hash is not None) for r in everything) == [
        ("drive.mp4", "dev", True),
        ("drive.mp4", "main", False),
        ("series", "main", False),
        ("street.jpg", "main", True),
    ]
    assert [r.data_hash for r in project.list_label_rows_v2(label_hashes=[dev.label_hash], branch_name="dev")] == [
        seed.video
    ]
    assert project.list_label_rows_v2(label_hashes=[dev.label_hash]) == []  # the branch is chosen first: main
    main_image = project.list_label_rows_v2(data_hashes=[seed.image])[0]
    assert main_image.label_hash is not None and main_image.last_edited_at is not None
    later = main_image.last_edited_at.replace(year=main_image.last_edited_at.year + 1)
    assert project.list_label_rows_v2(edited_after=later) == []
    assert [r.data_hash for r in project.list_label_rows_v2(edited_before=later)] == [
        seed.image
    ]  # created rows only
    assert sorted(fake_encord.store.branches(seed.hash)) == ["dev", "main"] == sorted(project.list_branches())


def test_initialising_missing_rows_creates_them_in_one_put(
    fake_encord: FakeEncord, seed: Seed, project: Project
) -> None:
    fake_encord.clear_log()
    rows = initialised(project)
    assert fake_encord.count("labelrow.PUT") == 1 and fake_encord.records("labelrow.PUT")[0].n == 3
    for row in rows:
        stored = fake_encord.get_label_row(seed.hash, row.data_hash)
        assert stored is not None and row.label_hash == stored["label_hash"]
        assert row.to_encord_dict() == stored  # an empty row round-trips exactly
    assert [r.label_hash is not None for r in project.list_label_rows_v2()] == [True, True, True]


def test_creation_honours_the_branch(fake_encord: FakeEncord, seed: Seed, project: Project) -> None:
    row = initialised(project, data_hashes=[seed.image], branch_name="review")[0]
    assert row.branch_name == "review"
    assert fake_encord.get_label_row(seed.hash, seed.image, "review") is not None
    assert fake_encord.get_label_row(seed.hash, seed.image) is None


def test_bundled_save_stores_exactly_what_to_encord_dict_writes(
    fake_encord: FakeEncord, seed: Seed, project: Project
) -> None:
    rows = initialised(project)
    car, person = obj(project, "Car"), obj(project, "Person")
    add_box(rows[0], car)
    add_box(rows[1], car, frames=(0, 1, 2))
    add_box(rows[1], person, frames=(9,))
    add_box(rows[2], person, frames=(2,))
    weather = project.ontology_structure.classifications[0]
    sunny = weather.create_instance()
    sunny.set_answer(weather.attributes[0].options[0])
    sunny.set_for_frames(frames=0)
    rows[0].add_classification_instance(sunny)
    fake_encord.clear_log()
    with project.create_bundle(bundle_size=2) as bundle:
        for row in rows:
            row.save(bundle=bundle)
    assert [r.n for r in fake_encord.records("labelrow.POST")] == [2, 1]
    for row in rows:
        stored = fake_encord.get_label_row(seed.hash, row.data_hash)
        assert without_edit_time(stored) == without_edit_time(row.to_encord_dict())
    refetched = initialised(project)
    assert [len(r.get_object_instances()) for r in refetched] == [1, 2, 1]
    assert refetched[1].get_object_instances(filter_ontology_object=person)[0].get_annotation_frames() == {9}


def test_a_save_replaces_the_whole_row(fake_encord: FakeEncord, seed: Seed, project: Project) -> None:
    row = initialised(project, data_hashes=[seed.video])[0]
    keep, drop = add_box(row, obj(project, "Car")), add_box(row, obj(project, "Person"))
    row.save()
    row.remove_object(drop)
    row.save()
    stored = fake_encord.get_label_row(seed.hash, seed.video)
    assert stored is not None and set(stored["object_answers"]) == {keep.object_hash}


def test_fetch_honours_feature_filters(fake_encord: FakeEncord, seed: Seed, project: Project) -> None:
    row = initialised(project, data_hashes=[seed.image])[0]
    add_box(row, obj(project, "Car"))
    add_box(row, obj(project, "Person"))
    row.save()
    fetched = project.list_label_rows_v2(data_hashes=[seed.image])[0]
    fetched.initialise_labels(include_object_feature_hashes={"car00001"})
    assert [o.ontology_item.name for o in fetched.get_object_instances()] == ["Car"]


def test_an_out_of_range_frame_is_refused_as_a_corrupted_label(
    fake_encord: FakeEncord, seed: Seed, project: Project
) -> None:
    row = initialised(project, data_hashes=[seed.video])[0]
    stored = fake_encord.get_label_row(seed.hash, seed.video)
    assert stored is not None
    bad = row.to_encord_dict()
    bad["data_units"][seed.video]["labels"] = {"12": {"objects": [{"objectHash": "x", "featureHash": "car00001"}]}}
    with pytest.raises(ValueError, match="outside"):
        fake_encord.put_label_row(seed.hash, bad)
    assert fake_encord.get_label_row(seed.hash, seed.video) == stored


def test_collections_round_trip_with_paging(fake_encord: FakeEncord, seed: Seed, project: Project) -> None:
    row = initialised(project, data_hashes=[seed.video])[0]
    car = add_box(row, obj(project, "Car"), frames=(3, 4))
    row.save()
    fake_encord.clear_log()
    frames = project.create_collection("blurry", "frames to redo", ProjectCollectionType.FRAME)
    assert [r.method for r in fake_encord.records("* /v2/public/active/*")] == ["POST", "GET"]
    labels = project.create_collection("occluded", collection_type=ProjectCollectionType.LABEL)
    for i in range(3):
        project.create_collection(f"extra {i}")
    fake_encord.clear_log()
    assert [c.name for c in project.list_collections()] == ["blurry", "occluded", "extra 0", "extra 1", "extra 2"]
    assert fake_encord.count("GET /v2/public/active/*/collections") == 3  # pages of 2

    bad_frame = ProjectDataCollectionItemRequest(data_uuid=seed.video, frame=10)
    result = frames.add_items(
        [ProjectDataCollectionItemRequest(data_uuid=seed.video, frame=f) for f in (1, 2)]
        + [ProjectDataCollectionItemRequest(data_uuid=seed.image, frame=0), bad_frame]
    )
    assert result.failed_items == [bad_frame]
    missing = ProjectLabelCollectionItemRequest(data_uuid=seed.video, frame=0, annotation_id=car.object_hash)
    result = labels.add_items(
        [ProjectLabelCollectionItemRequest(data_uuid=seed.video, frame=3, annotation_id=car.object_hash), missing]
    )
    assert result.failed_items == [missing]  # the car is not on frame 0
    assert fake_encord.collection_items(str(labels.uuid)) == [(seed.video, 3, car.object_hash)]

    listed = [(r.data_hash, [i.frame for i in instances]) for r, instances in frames.list_frames()]
    assert listed == [(seed.video, [1, 2]), (seed.image, [0])]
    annotated = [(r.label_hash, [(i.frame, i.annotation_id) for i in ins]) for r, ins in labels.list_annotations()]
    assert annotated == [(row.label_hash, [(3, car.object_hash)])]

    assert (
        frames.remove_items([ProjectDataCollectionItemRequest(data_uuid=seed.video, frame=1)]).failed_items == []
    )
    assert fake_encord.collection_items(str(frames.uuid)) == [(seed.video, 2, None), (seed.image, 0, None)]
    frames.update_collection(description="still blurry")
    project.delete_collection(labels.uuid)
    assert [(c["name"], c["description"], c["type"]) for c in fake_encord.collections(seed.hash)][:2] == [
        ("blurry", "still blurry", "FRAME"),
        ("extra 0", "", "FRAME"),
    ]


# -- authentication ---------------------------------------------------------------------------------------


def test_an_unregistered_key_or_token_is_refused_without_retry(fake_encord: FakeEncord, seed: Seed) -> None:
    stranger, _ = generate_ssh_key()
    client = EncordUserClient.create_with_ssh_private_key(ssh_private_key=stranger, domain=fake_encord.domain)
    with pytest.raises(AuthenticationError):
        client.get_project(seed.hash)  # REST: HTTP 401
    with pytest.raises(AuthenticationError):
        EncordUserClient.create_with_bearer_token("wrong", domain=fake_encord.domain).get_project(seed.hash)
    assert [r.status for r in fake_encord.requests] == [401, 401]


def test_a_revoked_key_fails_rpc_authentication(fake_encord: FakeEncord, seed: Seed) -> None:
    private, public = generate_ssh_key()
    fake_encord.add_user(public)
    project = EncordUserClient.create_with_ssh_private_key(
        ssh_private_key=private, domain=fake_encord.domain
    ).get_project(seed.hash)
    fake_encord.remove_user(public)
    with pytest.raises(AuthenticationError):
        project.list_label_rows_v2()  # RPC: HTTP 200, envelope status 401, AUTHENTICATION_ERROR
    assert fake_encord.requests[-1].rpc_status == 401


def test_signatures_are_verified_not_just_parsed(fake_encord: FakeEncord, seed: Seed) -> None:
    from encord.configs import SshConfig

    config = SshConfig.from_ssh_private_key(fake_encord.new_ssh_key(), domain=fake_encord.domain)
    body = '{"query_type": "labelrowmetadata", "query_method": "GET", "values": {"uid": null, "payload": {}}}'
    headers = config.define_headers(seed.hash, "project", body)
    good = requests.post(f"{fake_encord.domain}/public", data=body, headers=headers, timeout=5).json()
    forged = requests.post(
        f"{fake_encord.domain}/public", data=body.replace("{}", '{"x": 1}'), headers=headers, timeout=5
    ).json()
    assert good["status"] == 200 and forged["response"] == ["AUTHENTICATION_ERROR"]
    signed = config.define_headers_v2(
        requests.Request("GET", f"{fake_encord.domain}/v2/public/projects/{seed.hash}").prepare()
    )
    assert requests.Session().send(signed, timeout=5).status_code == 200
    signed.url = signed.url + "/branches"  # the signature covers the request target
    assert requests.Session().send(signed, timeout=5).status_code == 401


# -- faults, and how the SDK (0.1.211) reacts ---------------------------------------------------------------


@pytest.fixture
def quick(fake_encord: FakeEncord, seed: Seed) -> Project:
    """The seeded project through a client with a short backoff (0, 0.2, 0.4 s between 4 attempts)."""
    return sdk_client(fake_encord, backoff_factor=0.1).get_project(seed.hash)


def save_all(project: Project, bundle_size: int | None = None) -> list[LabelRowV2]:
    rows = initialised(project)
    for row in rows:
        add_box(row, obj(project, "Car"))
    with project.create_bundle(bundle_size=bundle_size) as bundle:
        for row in rows:
            row.save(bundle=bundle)
    return rows


def stored_objects(server: FakeEncord, seed: Seed) -> list[int]:
    return [len((server.get_label_row(seed.hash, h) or {}).get("object_answers", {})) for h in seed.all]


def test_429_is_retried_honouring_retry_after_then_raises_rate_limit(
    fake_encord: FakeEncord, seed: Seed, quick: Project
) -> None:
    initialised(quick)
    fake_encord.faults.add(
        Fault.http_status("labelrowmetadata.GET", 429, times=None, headers={"Retry-After": "1"})
    )
    error, took = timed(quick.list_label_rows_v2)
    assert isinstance(error, RateLimitExceededError) and error.retry_after == 1
    assert fake_encord.count("labelrowmetadata.GET") == 1 + 4 and 2.9 < took < 4.5  # 3 waits of 1 s


def test_retry_after_zero_falls_back_to_backoff(fake_encord: FakeEncord, seed: Seed, quick: Project) -> None:
    fake_encord.faults.add(
        Fault.http_status("labelrowmetadata.GET", 429, times=None, headers={"Retry-After": "0"})
    )
    error, took = timed(quick.list_label_rows_v2)
    assert isinstance(error, RateLimitExceededError) and error.retry_after == 0
    assert fake_encord.count("labelrowmetadata.GET") == 4 and 0.55 < took < 2  # backoff 0 + 0.2 + 0.4


def test_a_transient_5xx_on_a_save_is_retried_and_the_save_lands(
    fake_encord: FakeEncord, seed: Seed, quick: Project
) -> None:
    initialised(quick)
    fake_encord.faults.add(Fault.http_status("labelrow.POST", 502, times=1))
    fake_encord.faults.add(Fault.http_status("labelrow.POST", 503, times=1))
    save_all(quick)
    assert [r.status for r in fake_encord.records("labelrow.POST")] == [502, 503, 200]
    assert stored_objects(fake_encord, seed) == [1, 1, 1]


@pytest.mark.parametrize(
    ("body", "raised"), [(None, GenericServerError), ("<html>Server Error</html>", RequestException)]
)
def test_a_persistent_500_on_a_save_costs_four_attempts(
    fake_encord: FakeEncord, seed: Seed, quick: Project, body: str | None, raised: type[Exception]
) -> None:
    initialised(quick)
    fake_encord.faults.add(Fault.http_status("labelrow.POST", 500, times=None, body=body))
    error, _ = timed(lambda: save_all(quick))
    assert type(error) is raised and fake_encord.count("labelrow.POST") == 4
    assert stored_objects(fake_encord, seed) == [0, 0, 0]


def test_a_persistent_500_on_rest_raises_unknown_exception(fake_encord: FakeEncord, quick: Project) -> None:
    fake_encord.faults.add(Fault.http_status("GET /v2/public/active/*", 500, times=None))
    error, _ = timed(lambda: list(quick.list_collections()))
    assert isinstance(error, UnknownException) and fake_encord.count("GET /v2/public/active/*") == 4


def test_413_is_resent_unchanged_then_raises_payload_too_large(
    fake_encord: FakeEncord, seed: Seed, quick: Project
) -> None:
    initialised(quick)
    fake_encord.faults.add(Fault.payload_limit(3000, route="labelrow.POST"))
    error, _ = timed(lambda: save_all(quick))
    assert isinstance(error, PayloadTooLargeError) and "3000 bytes" in str(error)
    posts = fake_encord.records("labelrow.POST")
    assert len(posts) == 4 and len({r.bytes for r in posts}) == 1 and posts[0].bytes > 3000
    save_all(quick, bundle_size=1)  # smaller chunks fit
    assert stored_objects(fake_encord, seed) == [1, 1, 1]


def test_an_envelope_error_is_not_retried(fake_encord: FakeEncord, seed: Seed, quick: Project) -> None:
    initialised(quick)
    fake_encord.faults.add(Fault.rpc_error("labelrow.POST", "INVALID_ARGUMENTS_ERROR", "bad row"))
    error, _ = timed(lambda: save_all(quick))
    assert isinstance(error, InvalidArgumentsError) and "bad row" in str(error)
    fake_encord.faults.add(Fault.rpc_error("labelrow.POST", "RATE_LIMIT_ERROR", "slow down", status=429))
    error, _ = timed(lambda: save_all(quick))
    assert isinstance(error, RateLimitExceededError) and error.retry_after is None
    assert fake_encord.count("labelrow.POST") == 2


def test_a_rejected_row_fails_its_chunk_only_and_stops_the_bundle(
    fake_encord: FakeEncord, seed: Seed, quick: Project
) -> None:
    fake_encord.add_data_unit(seed.hash, "late.jpg")
    initialised(quick)
    fake_encord.faults.add(Fault.reject_row(seed.group))
    error, _ = timed(lambda: save_all(quick, bundle_size=1))
    assert isinstance(error, InvalidArgumentsError)
    assert [r.status for r in fake_encord.records("labelrow.POST")] == [200, 200, 200]  # 4th chunk never sent
    assert [r.rpc_status for r in fake_encord.records("labelrow.POST")] == [200, 200, 400]
    assert stored_objects(fake_encord, seed) == [1, 1, 0]


def test_a_save_that_landed_but_timed_out_is_sent_again(fake_encord: FakeEncord, seed: Seed) -> None:
    project = sdk_client(fake_encord, write_timeout=1, backoff_factor=0.1).get_project(seed.hash)
    initialised(project)
    fake_encord.faults.add(Fault.delay("labelrow.POST", 2, landed=True))
    save_all(project)  # saves use write_timeout as their read timeout
    assert fake_encord.count("labelrow.POST") == 2 and stored_objects(fake_encord, seed) == [1, 1, 1]


def test_a_slow_read_times_out_four_times_then_raises(fake_encord: FakeEncord, seed: Seed) -> None:
    project = sdk_client(fake_encord, read_timeout=0.5, backoff_factor=0.1).get_project(seed.hash)
    fake_encord.faults.add(Fault.delay("labelrowmetadata.GET", 3, times=None))
    error, took = timed(project.list_label_rows_v2)
    assert isinstance(error, RequestException) and isinstance(error.__cause__, requests.ConnectionError)
    assert fake_encord.count("labelrowmetadata.GET") == 4 and 2.4 < took < 4


def test_a_row_creation_is_not_retried_even_when_it_landed(fake_encord: FakeEncord, seed: Seed) -> None:
    project = sdk_client(fake_encord, read_timeout=0.5, backoff_factor=0.1).get_project(seed.hash)
    fake_encord.faults.add(Fault.delay("labelrow.PUT", 2, landed=True))
    error, _ = timed(lambda: initialised(project, data_hashes=[seed.image]))
    assert isinstance(error, RequestException) and fake_encord.count("labelrow.PUT") == 1
    assert fake_encord.get_label_row(seed.hash, seed.image) is not None  # created all the same
    assert project.list_label_rows_v2(data_hashes=[seed.image])[0].label_hash is not None


def test_an_edit_right_after_a_fetch_is_overwritten_by_the_save(
    fake_encord: FakeEncord, seed: Seed, project: Project
) -> None:
    first = initialised(project, data_hashes=[seed.image])[0]
    add_box(first, obj(project, "Car"))
    first.save()
    edited = fake_encord.get_label_row(seed.hash, seed.image)
    assert edited is not None
    edited["object_answers"] = {}
    edited["data_units"][seed.image]["labels"]["objects"] = []

    fake_encord.faults.add(
        Fault.after("labelrow.GET", lambda record: fake_encord.put_label_row(seed.hash, edited))
    )
    row = initialised(project, data_hashes=[seed.image])[0]
    assert len(row.get_object_instances()) == 1  # the client saw the row from before the edit
    assert (fake_encord.get_label_row(seed.hash, seed.image) or {})["object_answers"] == {}
    row.save()  # no version check: the annotator's deletion is undone
    assert len((fake_encord.get_label_row(seed.hash, seed.image) or {})["object_answers"]) == 1


def test_create_collection_is_a_post_not_retried_and_a_get_that_can_fail(
    fake_encord: FakeEncord, seed: Seed, quick: Project
) -> None:
    fake_encord.faults.add(Fault.http_status("POST /v2/public/active/*/collections", 503))
    error, _ = timed(lambda: quick.create_collection("tag"))
    assert isinstance(error, UnknownException) and fake_encord.collections(seed.hash) == []
    fake_encord.faults.add(Fault.http_status("GET /v2/public/active/*/collections", 500, times=None))
    error, _ = timed(lambda: quick.create_collection("tag"))
    assert isinstance(error, UnknownException)
    assert [c["name"] for c in fake_encord.collections(seed.hash)] == ["tag"]  # exists all the same


def test_collection_item_changes_are_retried(fake_encord: FakeEncord, seed: Seed, quick: Project) -> None:
    collection = quick.create_collection("tag")
    fake_encord.faults.add(Fault.http_status("POST /v2/public/active/*/add-items", 503))
    result = collection.add_items([ProjectDataCollectionItemRequest(data_uuid=seed.image, frame=0)])
    assert result.failed_items == [] and fake_encord.count("POST *add-items") == 2
    assert fake_encord.collection_items(str(collection.uuid)) == [(seed.image, 0, None)]


def test_the_log_counts_requests_per_route(fake_encord: FakeEncord, seed: Seed, project: Project) -> None:
    fake_encord.clear_log()
    save_all(project, bundle_size=2)
    assert fake_encord.count("labelrowmetadata.GET") == 1
    assert [r.n for r in fake_encord.records("labelrow.PUT")] == [3]
    assert [r.n for r in fake_encord.records("labelrow.POST")] == [2, 1]
    assert fake_encord.records("labelrow.POST")[0].data_hashes == (seed.image, seed.video)
    assert fake_encord.count("labelrow.*") == 3 and all(r.bytes > 0 for r in fake_encord.requests)
