"""The supply network: a dataset's tables, checked, and the arrays the engine works on."""

from supplyshock.network.links import Links, build_links
from supplyshock.network.model import BALANCE_TOLERANCE, DEFAULT_DATASET, SupplyNetwork, combine, load_network
from supplyshock.network.tables import DATASETS, DatasetMeta, Headline, dataset_dir, list_datasets

__all__ = [
    "BALANCE_TOLERANCE",
    "DATASETS",
    "DEFAULT_DATASET",
    "DatasetMeta",
    "Headline",
    "Links",
    "SupplyNetwork",
    "build_links",
    "combine",
    "dataset_dir",
    "list_datasets",
    "load_network",
]
