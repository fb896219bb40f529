"""The error `keras_gan.data` raises when data is neither local nor downloadable."""


class DatasetUnavailableError(RuntimeError):
    """The requested data can neither be found locally nor downloaded.

    The message says why (no prepared copy, a failed download, a dataset
    that cannot be downloaded at all) and which local files `load` accepts
    instead. A `RuntimeError`, so the launchers print it as one `error:`
    line.
    """
