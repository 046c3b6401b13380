CREATE TABLE "procedures" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"field" text NOT NULL,
	"agency_code" text,
	"online_level" text NOT NULL,
	"inter_agency" boolean DEFAULT false NOT NULL,
	"fee_bearing" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"abolished_by" text,
	"abolished_on" date,
	"demo" boolean DEFAULT false NOT NULL,
	"search_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "procedures_abolished_check" CHECK (("procedures"."status" = 'abolished') = ("procedures"."abolished_on" is not null))
);
--> statement-breakpoint
ALTER TABLE "procedures" ADD CONSTRAINT "procedures_agency_code_agencies_code_fk" FOREIGN KEY ("agency_code") REFERENCES "public"."agencies"("code") ON DELETE restrict ON UPDATE cascade;--> statement-breakpoint
CREATE INDEX "procedures_agency_idx" ON "procedures" USING btree ("agency_code");