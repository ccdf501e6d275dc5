build-bench2/formats/dates.o: formats/dates.c formats/dates.h
formats/dates.h:
