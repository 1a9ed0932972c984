"""Video engines behind one interface: the NemoVideo cloud and the local ffmpeg engine."""
