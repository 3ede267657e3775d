"""The NeuCube web app (Streamlit): load EEG studies, classify, explore and export connectivity.

Start it with ``neucube app`` or ``streamlit run app/streamlit_app/Home.py``. The pages live in
``pages/``; the modules here hold the app's plumbing (sessions, uploads, background jobs, study
files). Every computation is a call into :mod:`data_loaders`, :mod:`neucube` or
:mod:`neucube_study`.
"""
