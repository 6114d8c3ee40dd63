"""An application loaded from another system shows the documents its record lists as handed in."""

from bandian.applications.importer import ingest_record
from tests.conftest import client_for
from tests.supervision.conftest import residential


def test_the_documents_of_an_imported_record_show_as_handed_in_without_a_file(supervisor):
    record = residential("IMP-1", "2026-03-02T09:00:00", "2026-03-02T10:00:00", "2026-03-04T09:00:00")
    record["documents"] = ["id_card"]
    ingest_record(record)

    page = client_for(supervisor).get("/applications/IMP-1/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert 'id="document-listed-id_card"' in page
    assert "document-listed-property_proof" not in page
    assert "未上传" in page  # property_proof was not listed
