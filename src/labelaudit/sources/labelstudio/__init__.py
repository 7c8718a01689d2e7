"""Label Studio source: live pull through label-studio-sdk, export files, bundle writer."""

from labelaudit.sources.bundle_writer import write_bundle
from labelaudit.sources.labelstudio.export import read_export
from labelaudit.sources.labelstudio.label_config import parse_label_config
from labelaudit.sources.labelstudio.live import pull_project

__all__ = ["parse_label_config", "pull_project", "read_export", "write_bundle"]
