"""Where the broker's management API is, from AMQP_URI (admin/endpoints.py). An instance on the three-node
cluster (deploy/README.md) lists its nodes `;`-separated, as the runtime reads them (runtime/messaging/publisher.py
`broker_uris`); read as one URL, the other two nodes became the vhost."""
from admin.endpoints import management, managements

CLUSTER = ("amqp://peer:p%40ss@rabbitmq-1:5672/region-1084;amqp://peer:p%40ss@rabbitmq-2:5672/region-1084;"
           "amqp://peer:p%40ss@rabbitmq-3:5672/region-1084")


def test_one_broker_its_management_api_on_port_plus_10000():
    assert management("amqp://peer:peer@rabbitmq:5672/kommune-0101", {}) == (
        "http://rabbitmq:15672", ("peer", "peer"), "kommune-0101")
    assert management("amqp://127.0.0.1:5684/", {}) == ("http://127.0.0.1:15684", ("guest", "guest"), "/")


def test_a_cluster_list_gives_every_node_with_the_vhost_in_the_list_order():
    assert managements(CLUSTER, {}) == [
        (f"http://rabbitmq-{n}:15672", ("peer", "p@ss"), "region-1084") for n in (1, 2, 3)]
    assert management(CLUSTER, {}) == ("http://rabbitmq-1:15672", ("peer", "p@ss"), "region-1084")


def test_the_configured_management_url_stands_for_the_whole_cluster():
    env = {"RABBITMQ_MANAGEMENT_URL": "https://ops:secret@broker.example:443/"}
    assert managements(CLUSTER, env) == [("https://broker.example:443", ("ops", "secret"), "region-1084")]
