"""A local web playground: act as several people of one workspace, no accounts needed."""
