"""Tools for running and exercising the stack on one machine; the gateway never imports them."""
