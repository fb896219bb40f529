"""`ConfigObject`: equality, hashing and repr of a loss object from its `get_config`."""


class ConfigObject:
    """A base for objects defined by their constructor arguments (games, regularizers).

    Subclasses return those arguments from `get_config`; this class rebuilds
    the object from them (`from_config`), compares and hashes by type and
    config, and prints them, e.g. `Hinge()` or `R1(weight=10.0)`.
    """

    def get_config(self):
        """The constructor's arguments, for `keras.saving.serialize_keras_object`."""
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash((type(self), tuple(sorted(self.get_config().items()))))

    def __repr__(self):
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"
