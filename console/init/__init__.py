"""``console init``: a ``console.toml`` that fits the project as it is (see :mod:`.detect`)."""

from console.init.detect import LayerChoice, ProductionChoice, detect_layers, detect_production
from console.init.toml_text import config_text

__all__ = ["LayerChoice", "ProductionChoice", "config_text", "detect_layers", "detect_production"]
