# Each target sets up what it needs itself (see dev.py).
.PHONY: lab test bench book-html
lab:
	python3 dev.py book
test:
	python3 dev.py test
bench:
	python3 dev.py bench
book-html:
	python3 dev.py book-html
