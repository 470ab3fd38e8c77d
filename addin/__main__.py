from addin.frontends.cli import entry_point

if __name__ == "__main__":  # guarded: worker processes (spawn on Windows) import this module again
    entry_point()
