"""Order gateway of the Shangluo 12345 hotline intake product.

The gateway is the only component that writes work orders (工单). It exposes a
small authenticated JSON API used by the Rasa action server and other channels.
"""

__version__ = "0.1.0"
