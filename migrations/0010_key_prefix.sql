-- Lists showed the first 12 characters of each key; 8 are enough to tell keys apart and give a thief less.
UPDATE "api_keys" SET "prefix" = left("prefix", 8) WHERE length("prefix") > 8;
