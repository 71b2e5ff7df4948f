// PontotelClient: see issue 3.
