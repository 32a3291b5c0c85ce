-- The conversations get their own database beside the knowledge base (run once, when the volume is new).
CREATE DATABASE klinik_conversations OWNER klinik;
